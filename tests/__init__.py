"""Tests of borderstates."""
