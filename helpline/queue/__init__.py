"""The waiting line, duty and assignment: plain functions over a Redis client."""
