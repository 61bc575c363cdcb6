"""Enrollments: a household's registered basis (parcels, persons, months) in a program, its change
requests (four eyes, effective dates, full history) and the payment cycles generated from it."""
