"""Core layer: what each output sheet shows, as plain grids (see ``render.grid``)."""
