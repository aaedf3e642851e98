"""SmartPlex tests."""
