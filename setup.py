"""Kept thin on purpose: the build metadata lives in pyproject.toml."""

from setuptools import setup

setup()
