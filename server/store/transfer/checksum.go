package transfer

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"strconv"
	"unicode/utf8"
)

// kind is what a column holds, as far as copying and checking care: the
// same data reads back from SQLite and PostgreSQL as different Go types
// (SQLite keeps JSON written as []byte as a BLOB in a TEXT column; pgx
// reads an int4 as int32), so values are normalised to their column's
// kind before they are sent or hashed.
type kind byte

const (
	kindInt   kind = 'I'
	kindFloat kind = 'F'
	kindText  kind = 'T'
	kindBytes kind = 'B'
)

func (k kind) String() string {
	switch k {
	case kindInt:
		return "integer"
	case kindFloat:
		return "floating-point"
	case kindText:
		return "text"
	case kindBytes:
		return "bytes"
	}
	return "unknown"
}

// kindOf maps a PostgreSQL type name (pg_type.typname) to its kind.
func kindOf(typname string) (kind, bool) {
	switch typname {
	case "int2", "int4", "int8":
		return kindInt, true
	case "float4", "float8":
		return kindFloat, true
	case "text", "varchar", "bpchar":
		return kindText, true
	case "bytea":
		return kindBytes, true
	}
	return 0, false
}

// normalise turns a value read from either engine into its column's kind:
// int64, float64, string or []byte, or nil for NULL. A value that does not
// fit (text in an integer column, which SQLite allows) is an error rather
// than a guess.
func normalise(v any, k kind) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case kindInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int32:
			return int64(x), nil
		case int16:
			return int64(x), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, nil
			}
		case []byte:
			if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return n, nil
			}
		}
	case kindFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f, nil
			}
		}
	case kindText:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		default:
			return nil, fmt.Errorf("a %T value does not fit a text column", v)
		}
		// PostgreSQL's text is UTF-8 without NUL characters; SQLite's
		// need not be. Say which value rather than fail in the server.
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("%q is not valid UTF-8, which PostgreSQL's text needs", truncate(s))
		}
		for i := 0; i < len(s); i++ {
			if s[i] == 0 {
				return nil, fmt.Errorf("%q holds a NUL character, which PostgreSQL's text cannot", truncate(s))
			}
		}
		return s, nil
	case kindBytes:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	}
	return nil, fmt.Errorf("%s (%T) does not fit a %s column", truncate(fmt.Sprint(v)), v, k)
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// checksum hashes a table's rows, in key order, as normalised values: the
// same data gives the same sum whichever engine it was read from, and any
// difference (a value, a NULL for an empty string, a row more or less, a
// row out of order) gives another.
type checksum struct {
	h   hash.Hash
	buf []byte
}

func newChecksum() *checksum { return &checksum{h: sha256.New()} }

// add hashes one row of normalised values. Each value is tagged with its
// type and text and bytes with their length, so no two rows encode alike.
func (c *checksum) add(row []any) {
	b := c.buf[:0]
	for _, v := range row {
		switch x := v.(type) {
		case nil:
			b = append(b, 'N')
		case int64:
			b = append(b, 'I')
			b = binary.BigEndian.AppendUint64(b, uint64(x))
		case float64:
			b = append(b, 'F')
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(x))
		case string:
			b = append(b, 'T')
			b = binary.AppendUvarint(b, uint64(len(x)))
			b = append(b, x...)
		case []byte:
			b = append(b, 'B')
			b = binary.AppendUvarint(b, uint64(len(x)))
			b = append(b, x...)
		default:
			panic(fmt.Sprintf("checksum of a %T: values must be normalised first", v))
		}
	}
	c.h.Write(b)
	c.buf = b
}

// sum is the checksum so far, in hex.
func (c *checksum) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }
