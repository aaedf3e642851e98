"""Custom components package so tests can import custom_components.smartplex."""
