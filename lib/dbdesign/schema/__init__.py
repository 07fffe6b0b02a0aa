"""Schemas in: DDL parsed per input dialect, migration folders, diffs, naming."""
