package mongostore

// BuildStudentEnrollments exposes migration 5's data step to the tests.
var BuildStudentEnrollments = buildStudentEnrollments

// Collections exposes the list of collections created at start.
func Collections() []string { return collections }
