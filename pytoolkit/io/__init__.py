"""Core layer: reading workbooks into the model and writing outputs."""
