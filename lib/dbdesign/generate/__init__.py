"""What the model generates: soft delete, audit, ORM/API layers, NoSQL designs, pools, seeds, the catalogue."""
