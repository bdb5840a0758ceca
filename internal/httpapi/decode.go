package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"github.com/chartroom-him/chartroom/internal/apperr"
)

var (
	validateOnce sync.Once
	validate     *validator.Validate
)

// validatorInstance returns the shared validator, reporting fields by their JSON names.
func validatorInstance() *validator.Validate {
	validateOnce.Do(func() {
		validate = validator.New(validator.WithRequiredStructEnabled())
		validate.RegisterTagNameFunc(func(f reflect.StructField) string {
			name := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
			if name == "-" {
				return ""
			}
			return name
		})
	})
	return validate
}

// decode reads a JSON body into dst (a pointer to a typed request struct), refusing unknown
// fields and trailing data, then runs the struct's validate tags. Every failure is an
// apperr.Invalid naming the field.
func decode(c *fiber.Ctx, dst any) error {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return apperr.Field("Content-Type", "must be application/json")
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.Field("body", "must hold a single JSON object")
	}
	return validateStruct(dst)
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return apperr.Field(field, fmt.Sprintf("must be %s", jsonKind(te.Type)))
	case errors.As(err, &se):
		return apperr.Field("body", fmt.Sprintf("is not valid JSON (at byte %d)", se.Offset))
	case errors.Is(err, io.EOF):
		return apperr.Field("body", "is empty: a JSON object is required")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return apperr.Field(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
	}
	return apperr.Field("body", "is not valid JSON")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	}
	return "an object"
}

func validateStruct(v any) error {
	err := validatorInstance().Struct(v)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return apperr.Field("body", err.Error())
	}
	var f apperr.Fields
	for _, fe := range ves {
		// Namespace is Type.field.sub; drop the type name.
		ns := fe.Namespace()
		if i := strings.IndexByte(ns, '.'); i >= 0 {
			ns = ns[i+1:]
		}
		f.Add(ns, ruleMessage(fe))
	}
	return f.Err()
}

func ruleMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "email":
		return "must be a valid email address"
	case "min":
		if fe.Kind() == reflect.String {
			return "must be at least " + fe.Param() + " characters"
		}
		return "must be at least " + fe.Param()
	case "max":
		if fe.Kind() == reflect.String {
			return "must be at most " + fe.Param() + " characters"
		}
		return "must be at most " + fe.Param()
	case "oneof":
		return "must be one of " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "dive":
		return "has an invalid element"
	case "datetime":
		return "must be a date " + fe.Param()
	}
	return "fails rule " + fe.Tag()
}
