"""`sondage build`: survey files in, a self-contained static bundle out."""
