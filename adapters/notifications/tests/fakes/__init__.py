"""Real local servers standing in for the providers, each checking requests as it would."""
