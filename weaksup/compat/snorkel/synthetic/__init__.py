"""``snorkel.synthetic``."""
