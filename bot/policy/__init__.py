"""The approval policy file: its model, glob matching, parsing and validation, decisions."""
