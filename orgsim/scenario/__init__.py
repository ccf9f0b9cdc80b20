"""Scenario scripts: YAML parsed into typed steps, each naming its file and line."""
