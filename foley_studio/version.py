"""The package version, recorded in every weight bundle and project file."""
__version__ = "0.1.0"
