"""Test doubles for Jaga's front-end tests: never imported by production code."""
