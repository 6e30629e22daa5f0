package agents

import (
	"strings"
	"testing"
)

func TestPasswordsAreCheckedAgainstTheirArgon2idHash(t *testing.T) {
	hash := HashPassword("correct horse battery")
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not an Argon2id PHC string at OWASP's cost", hash)
	}
	if again := HashPassword("correct horse battery"); again == hash {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
	for _, c := range []struct {
		hash, password string
		ok             bool
		bad            bool
	}{
		{hash, "correct horse battery", true, false},
		{hash, "correct horse batterY", false, false},
		{hash, "", false, false},
		{"$2a$10$abcdefghijklmnopqrstuv", "x", false, true}, // bcrypt: not ours
		{"$argon2id$v=19$m=19456,t=2,p=1$!!!$abc", "x", false, true},
	} {
		ok, err := CheckPassword(c.hash, c.password)
		if ok != c.ok || (err != nil) != c.bad {
			t.Errorf("CheckPassword(%.30q, %q) = %v, %v; want %v, error %v", c.hash, c.password, ok, err, c.ok, c.bad)
		}
	}
}
