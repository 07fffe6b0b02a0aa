"""Checks over the model: design lint, migration-safety lint, the API contract, the gate."""
