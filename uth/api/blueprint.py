"""The API's one blueprint; its routes are in one module per feature (listed in `uth.api`)."""
from flask import Blueprint

bp = Blueprint("api", __name__)
