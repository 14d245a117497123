"""HTML pages of the rca feature."""
from flask import Blueprint

bp = Blueprint("rca", __name__)
