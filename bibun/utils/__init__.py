"""bibun.utils: data loading (bibun.utils.data)."""
from . import data
