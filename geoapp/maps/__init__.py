"""What a map shows and how it is drawn on the web: the view, classification, the Leaflet layer and commune profiles."""
