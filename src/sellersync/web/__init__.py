"""The dashboard: server-rendered Jinja2 pages and plain static files (no build step, no CDN)."""
