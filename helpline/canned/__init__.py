"""Canned responses: the supervisors' library of ready texts therapists insert and edit."""
