"""HTML pages of the learning feature."""
from flask import Blueprint

bp = Blueprint("learning", __name__)
