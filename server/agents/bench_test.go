package agents

import (
	"crypto/sha256"
	"testing"
)

// BenchmarkCheckPassword is what one sign-in costs the server: an Argon2id
// check at the stored cost. It bounds how many sign-ins a core serves per
// second, which the rate limits keep far below.
func BenchmarkCheckPassword(b *testing.B) {
	hash := HashPassword("correct horse battery")
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := CheckPassword(hash, "correct horse battery"); !ok {
			b.Fatal("the password did not match its hash")
		}
	}
}

// BenchmarkSHA256Password is the baseline: the fast hash a guesser with the
// hashes would wish we had used.
func BenchmarkSHA256Password(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sha256.Sum256([]byte("correct horse battery"))
	}
}
