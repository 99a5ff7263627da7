"""Tests of the supervisor's pages (vigil.oversight)."""
