package events

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/google/uuid"
)

// Rule names carried by ValidationError.Rule. The first seven are RusToK's
// validators; the last two belong to the envelope.
const (
	// RuleNotNilUUID rejects the nil UUID in a required UUID field.
	RuleNotNilUUID = "not_nil_uuid"
	// RuleOptionalUUID rejects the nil UUID in an optional field that is set.
	RuleOptionalUUID = "optional_uuid"
	// RuleNotEmpty rejects a string that is empty or only white space.
	RuleNotEmpty = "not_empty"
	// RuleMaxLength rejects a string longer than a limit in UTF-8 bytes.
	RuleMaxLength = "max_length"
	// RuleAlphanumericWithDash rejects a string holding anything but
	// Unicode letters, digits, '-' and '_'.
	RuleAlphanumericWithDash = "alphanumeric_with_dash"
	// RuleRange rejects a number outside an inclusive range.
	RuleRange = "range"
	// RuleCurrencyCode rejects anything but three ASCII capital letters.
	RuleCurrencyCode = "currency_code"
	// RuleInvalidValue is an event-specific business rule, such as a MIME
	// type without '/'.
	RuleInvalidValue = "invalid_value"
	// RuleRequired rejects an envelope without an event.
	RuleRequired = "required"
	// RuleMatchesEvent rejects an envelope whose event_type or
	// schema_version disagrees with its event.
	RuleMatchesEvent = "matches_event"
)

// ValidationError reports the first rule an envelope or event breaks.
// Message is the sentence RusToK's EventValidationError displays for the
// same failure, so logs read the same on both sides.
type ValidationError struct {
	// Field is the JSON name of the offending field, such as "kind".
	Field string
	// Rule is one of the Rule constants.
	Rule string
	// Message says what is wrong in words.
	Message string
}

// Error names the field and the rule.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("events: invalid %s (%s): %s", e.Field, e.Rule, e.Message)
}

// firstError returns the first non-nil error. Validators are pure, so
// evaluating all of them and keeping the first failure gives the same
// answer as RusToK's early returns.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func notNilUUID(field string, id uuid.UUID) error {
	if id != uuid.Nil {
		return nil
	}
	return &ValidationError{field, RuleNotNilUUID, fmt.Sprintf("UUID field '%s' cannot be nil", field)}
}

func optionalUUID(field string, id *uuid.UUID) error {
	if id == nil || *id != uuid.Nil {
		return nil
	}
	msg := fmt.Sprintf("UUID field '%s' cannot be nil", field)
	return &ValidationError{field, RuleOptionalUUID, msg}
}

// notEmpty trims Unicode white space as Rust's str::trim does before
// checking for emptiness.
func notEmpty(field, value string) error {
	if strings.TrimSpace(value) != "" {
		return nil
	}
	return &ValidationError{field, RuleNotEmpty, fmt.Sprintf("Field '%s' cannot be empty", field)}
}

// maxLength counts UTF-8 bytes, because RusToK's validator compares Rust's
// str::len, which is the byte length, with the limit: "локаль" is 12 long
// for it, not 6. Counting characters instead would let iggyflow emit
// events that RusToK refuses to build.
func maxLength(field, value string, limit int) error {
	if len(value) <= limit {
		return nil
	}
	return &ValidationError{field, RuleMaxLength,
		fmt.Sprintf("Field '%s' exceeds maximum length of %d characters", field, limit)}
}

// alphanumericWithDash accepts what Rust's char::is_alphanumeric accepts
// (the Unicode Alphabetic property or a numeric category), '-' and '_'.
func alphanumericWithDash(field, value string) error {
	for _, r := range value {
		if r == '-' || r == '_' || isRustAlphanumeric(r) {
			continue
		}
		return &ValidationError{field, RuleAlphanumericWithDash,
			fmt.Sprintf("Field '%s' contains invalid characters", field)}
	}
	return nil
}

// isRustAlphanumeric mirrors char::is_alphanumeric: Alphabetic is the
// letter categories, Nl and the Other_Alphabetic, Other_Lowercase and
// Other_Uppercase properties; numeric is Nd, Nl and No.
func isRustAlphanumeric(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) ||
		unicode.In(r, unicode.Other_Alphabetic, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

func inRange(field string, value, lo, hi int64) error {
	if value >= lo && value <= hi {
		return nil
	}
	return &ValidationError{field, RuleRange,
		fmt.Sprintf("Field '%s' value %d is out of valid range (%d..%d)", field, value, lo, hi)}
}

func optionalInRange(field string, value *int64, lo, hi int64) error {
	if value == nil {
		return nil
	}
	return inRange(field, *value, lo, hi)
}

// currencyCode wants exactly three bytes, all ASCII capital letters.
func currencyCode(field, code string) error {
	if len(code) != 3 {
		return &ValidationError{field, RuleCurrencyCode, invalidValueMessage(field,
			"currency code must be exactly 3 characters")}
	}
	for i := 0; i < len(code); i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return &ValidationError{field, RuleCurrencyCode, invalidValueMessage(field,
				"currency code must be uppercase letters")}
		}
	}
	return nil
}

// invalidWhen reports an event-specific rule broken when bad is true.
func invalidWhen(bad bool, field, why string) error {
	if !bad {
		return nil
	}
	return &ValidationError{field, RuleInvalidValue, invalidValueMessage(field, why)}
}

func invalidValueMessage(field, why string) string {
	return fmt.Sprintf("Invalid value for field '%s': %s", field, why)
}

func optionalMaxLength(field string, value *string, limit int) error {
	if value == nil {
		return nil
	}
	return maxLength(field, *value, limit)
}
