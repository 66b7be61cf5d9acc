"""Forms of the assessment pages, one module per page family. They check the shape of what was
posted; the services decide what it means, and `errors.add_service_errors` puts a service's
ValidationError back on the fields it names."""
