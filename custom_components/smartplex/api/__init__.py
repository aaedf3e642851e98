"""Typed async clients for Sonarr, Radarr, Overseerr, Tautulli and TMDB (no Home Assistant imports)."""
