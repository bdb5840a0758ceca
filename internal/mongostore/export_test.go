package mongostore

// BuildStudentEnrollments exposes migration 5's data step to the tests.
var BuildStudentEnrollments = buildStudentEnrollments
