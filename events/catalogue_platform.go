package events

import (
	"github.com/google/uuid"
)

// RusToK events of platform: search index, builds, tenants and locales.

// ReindexRequested asks the search indexer to rebuild entries.
// Its event type is "index.reindex_requested".
type ReindexRequested struct {
	// TargetType names the kind of entity, such as "node" or "product".
	TargetType string `json:"target_type"`
	// TargetID limits the rebuild to one entity; nil rebuilds every entity
	// of TargetType.
	TargetID *uuid.UUID `json:"target_id"`
}

// EventType returns "index.reindex_requested".
func (*ReindexRequested) EventType() string { return "index.reindex_requested" }

// Variant returns "ReindexRequested".
func (*ReindexRequested) Variant() string { return "ReindexRequested" }

// SchemaVersion returns 1.
func (*ReindexRequested) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: target_type not blank, at most 64 bytes;
// target_id not nil when set.
func (e *ReindexRequested) Validate() error {
	return firstError(
		notEmpty("target_type", e.TargetType),
		maxLength("target_type", e.TargetType, 64),
		optionalUUID("target_id", e.TargetID),
	)
}

// IndexUpdated reports that the search index was updated for one target.
// Its event type is "index.updated".
type IndexUpdated struct {
	// IndexName names the search index.
	IndexName string `json:"index_name"`
	// TargetID identifies the entity whose entry changed.
	TargetID uuid.UUID `json:"target_id"`
}

// EventType returns "index.updated".
func (*IndexUpdated) EventType() string { return "index.updated" }

// Variant returns "IndexUpdated".
func (*IndexUpdated) Variant() string { return "IndexUpdated" }

// SchemaVersion returns 1.
func (*IndexUpdated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: index_name not blank, at most 64 bytes;
// target_id not nil.
func (e *IndexUpdated) Validate() error {
	return firstError(
		notEmpty("index_name", e.IndexName),
		maxLength("index_name", e.IndexName, 64),
		notNilUUID("target_id", e.TargetID),
	)
}

// BuildRequested asks for a site build.
// Its event type is "build.requested".
type BuildRequested struct {
	// BuildID identifies the build.
	BuildID uuid.UUID `json:"build_id"`
	// RequestedBy names who or what asked for the build.
	RequestedBy string `json:"requested_by"`
}

// EventType returns "build.requested".
func (*BuildRequested) EventType() string { return "build.requested" }

// Variant returns "BuildRequested".
func (*BuildRequested) Variant() string { return "BuildRequested" }

// SchemaVersion returns 1.
func (*BuildRequested) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: build_id not nil; requested_by not blank, at
// most 255 bytes.
func (e *BuildRequested) Validate() error {
	return firstError(
		notNilUUID("build_id", e.BuildID),
		notEmpty("requested_by", e.RequestedBy),
		maxLength("requested_by", e.RequestedBy, 255),
	)
}

// TenantCreated reports that a tenant was created.
// Its event type is "tenant.created".
type TenantCreated struct {
	// TenantID identifies the tenant.
	TenantID uuid.UUID `json:"tenant_id"`
}

// EventType returns "tenant.created".
func (*TenantCreated) EventType() string { return "tenant.created" }

// Variant returns "TenantCreated".
func (*TenantCreated) Variant() string { return "TenantCreated" }

// SchemaVersion returns 1.
func (*TenantCreated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: tenant_id not nil.
func (e *TenantCreated) Validate() error {
	return firstError(
		notNilUUID("tenant_id", e.TenantID),
	)
}

// TenantUpdated reports that a tenant's settings changed.
// Its event type is "tenant.updated".
type TenantUpdated struct {
	// TenantID identifies the tenant.
	TenantID uuid.UUID `json:"tenant_id"`
}

// EventType returns "tenant.updated".
func (*TenantUpdated) EventType() string { return "tenant.updated" }

// Variant returns "TenantUpdated".
func (*TenantUpdated) Variant() string { return "TenantUpdated" }

// SchemaVersion returns 1.
func (*TenantUpdated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: tenant_id not nil.
func (e *TenantUpdated) Validate() error {
	return firstError(
		notNilUUID("tenant_id", e.TenantID),
	)
}

// LocaleEnabled reports that a tenant turned a locale on.
// Its event type is "locale.enabled".
type LocaleEnabled struct {
	// TenantID identifies the tenant.
	TenantID uuid.UUID `json:"tenant_id"`
	// Locale is a language tag such as "en" or "pt-BR".
	Locale string `json:"locale"`
}

// EventType returns "locale.enabled".
func (*LocaleEnabled) EventType() string { return "locale.enabled" }

// Variant returns "LocaleEnabled".
func (*LocaleEnabled) Variant() string { return "LocaleEnabled" }

// SchemaVersion returns 1.
func (*LocaleEnabled) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: tenant_id not nil; locale not blank, at most
// 10 bytes.
func (e *LocaleEnabled) Validate() error {
	return firstError(
		notNilUUID("tenant_id", e.TenantID),
		notEmpty("locale", e.Locale),
		maxLength("locale", e.Locale, 10),
	)
}

// LocaleDisabled reports that a tenant turned a locale off.
// Its event type is "locale.disabled".
type LocaleDisabled struct {
	// TenantID identifies the tenant.
	TenantID uuid.UUID `json:"tenant_id"`
	// Locale is a language tag such as "en" or "pt-BR".
	Locale string `json:"locale"`
}

// EventType returns "locale.disabled".
func (*LocaleDisabled) EventType() string { return "locale.disabled" }

// Variant returns "LocaleDisabled".
func (*LocaleDisabled) Variant() string { return "LocaleDisabled" }

// SchemaVersion returns 1.
func (*LocaleDisabled) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: tenant_id not nil; locale not blank, at most
// 10 bytes.
func (e *LocaleDisabled) Validate() error {
	return firstError(
		notNilUUID("tenant_id", e.TenantID),
		notEmpty("locale", e.Locale),
		maxLength("locale", e.Locale, 10),
	)
}
