"""Product recommendations that pass suitability rules first and only then rank by need."""
