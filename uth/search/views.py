"""HTML pages of the search feature."""
from flask import Blueprint

bp = Blueprint("search", __name__)
