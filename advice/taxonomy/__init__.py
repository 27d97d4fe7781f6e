"""Editable taxonomies: topics, requester types and channels."""
