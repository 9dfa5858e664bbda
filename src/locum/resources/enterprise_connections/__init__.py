"""Enterprise connections (routes.py; app.py imports it from there, since resources/users renders
users' accounts with serializers.py here and importing the routes from this package would cycle)."""
