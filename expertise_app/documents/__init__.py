"""Documents on a case: uploads checked by content, kept in the database, served only to those who may see them."""
