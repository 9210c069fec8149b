"""Typed settings and the per-user state folder."""
