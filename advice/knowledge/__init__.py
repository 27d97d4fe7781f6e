"""The shared knowledge base: reviewed articles, public and internal."""
