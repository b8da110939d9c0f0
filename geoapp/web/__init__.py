"""The Flask layer: thin blueprints by audience (browse, embed, admin, api)."""
