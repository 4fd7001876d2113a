"""Management analysis kit for 4S dealerships."""
