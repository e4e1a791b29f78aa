package events

import (
	"math"
	"strings"

	"github.com/google/uuid"
)

// RusToK events of content: nodes, bodies, categories, tags and media.

// NodeCreated reports that a content node was created.
// Its event type is "node.created".
type NodeCreated struct {
	// NodeID identifies the node.
	NodeID uuid.UUID `json:"node_id"`
	// Kind is the node type, such as "post" or "page".
	Kind string `json:"kind"`
	// AuthorID is the user who wrote the node, if known.
	AuthorID *uuid.UUID `json:"author_id"`
}

// EventType returns "node.created".
func (*NodeCreated) EventType() string { return "node.created" }

// Variant returns "NodeCreated".
func (*NodeCreated) Variant() string { return "NodeCreated" }

// SchemaVersion returns 1.
func (*NodeCreated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: node_id not nil; kind not blank, at most 64
// bytes, only letters, digits, '-' and '_'; author_id not nil when set.
func (e *NodeCreated) Validate() error {
	return firstError(
		notNilUUID("node_id", e.NodeID),
		notEmpty("kind", e.Kind),
		maxLength("kind", e.Kind, 64),
		alphanumericWithDash("kind", e.Kind),
		optionalUUID("author_id", e.AuthorID),
	)
}

// NodeUpdated reports that a content node changed.
// Its event type is "node.updated".
type NodeUpdated struct {
	// NodeID identifies the node.
	NodeID uuid.UUID `json:"node_id"`
	// Kind is the node type, such as "post" or "page".
	Kind string `json:"kind"`
}

// EventType returns "node.updated".
func (*NodeUpdated) EventType() string { return "node.updated" }

// Variant returns "NodeUpdated".
func (*NodeUpdated) Variant() string { return "NodeUpdated" }

// SchemaVersion returns 1.
func (*NodeUpdated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: node_id not nil; kind not blank, at most 64
// bytes.
func (e *NodeUpdated) Validate() error {
	return firstError(
		notNilUUID("node_id", e.NodeID),
		notEmpty("kind", e.Kind),
		maxLength("kind", e.Kind, 64),
	)
}

// NodeTranslationUpdated reports that one translation of a node changed.
// Its event type is "node.translation.updated".
type NodeTranslationUpdated struct {
	// NodeID identifies the node.
	NodeID uuid.UUID `json:"node_id"`
	// Locale is a language tag such as "en" or "pt-BR".
	Locale string `json:"locale"`
}

// EventType returns "node.translation.updated".
func (*NodeTranslationUpdated) EventType() string { return "node.translation.updated" }

// Variant returns "NodeTranslationUpdated".
func (*NodeTranslationUpdated) Variant() string { return "NodeTranslationUpdated" }

// SchemaVersion returns 1.
func (*NodeTranslationUpdated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: node_id not nil; locale not blank, at most
// 10 bytes.
func (e *NodeTranslationUpdated) Validate() error {
	return firstError(
		notNilUUID("node_id", e.NodeID),
		notEmpty("locale", e.Locale),
		maxLength("locale", e.Locale, 10),
	)
}

// NodePublished reports that a node became publicly visible.
// Its event type is "node.published".
type NodePublished struct {
	// NodeID identifies the node.
	NodeID uuid.UUID `json:"node_id"`
	// Kind is the node type, such as "post" or "page".
	Kind string `json:"kind"`
}

// EventType returns "node.published".
func (*NodePublished) EventType() string { return "node.published" }

// Variant returns "NodePublished".
func (*NodePublished) Variant() string { return "NodePublished" }

// SchemaVersion returns 1.
func (*NodePublished) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: node_id not nil; kind not blank, at most 64
// bytes.
func (e *NodePublished) Validate() error {
	return firstError(
		notNilUUID("node_id", e.NodeID),
		notEmpty("kind", e.Kind),
		maxLength("kind", e.Kind, 64),
	)
}

// NodeUnpublished reports that a node was withdrawn from public view.
// Its event type is "node.unpublished".
type NodeUnpublished struct {
	// NodeID identifies the node.
	NodeID uuid.UUID `json:"node_id"`
	// Kind is the node type, such as "post" or "page".
	Kind string `json:"kind"`
}

// EventType returns "node.unpublished".
func (*NodeUnpublished) EventType() string { return "node.unpublished" }

// Variant returns "NodeUnpublished".
func (*NodeUnpublished) Variant() string { return "NodeUnpublished" }

// SchemaVersion returns 1.
func (*NodeUnpublished) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: node_id not nil; kind not blank, at most 64
// bytes.
func (e *NodeUnpublished) Validate() error {
	return firstError(
		notNilUUID("node_id", e.NodeID),
		notEmpty("kind", e.Kind),
		maxLength("kind", e.Kind, 64),
	)
}

// NodeDeleted reports that a node was deleted.
// Its event type is "node.deleted".
type NodeDeleted struct {
	// NodeID identifies the node.
	NodeID uuid.UUID `json:"node_id"`
	// Kind is the node type, such as "post" or "page".
	Kind string `json:"kind"`
}

// EventType returns "node.deleted".
func (*NodeDeleted) EventType() string { return "node.deleted" }

// Variant returns "NodeDeleted".
func (*NodeDeleted) Variant() string { return "NodeDeleted" }

// SchemaVersion returns 1.
func (*NodeDeleted) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: node_id not nil; kind not blank, at most 64
// bytes.
func (e *NodeDeleted) Validate() error {
	return firstError(
		notNilUUID("node_id", e.NodeID),
		notEmpty("kind", e.Kind),
		maxLength("kind", e.Kind, 64),
	)
}

// BodyUpdated reports that the body of a node changed in one locale.
// Its event type is "body.updated".
type BodyUpdated struct {
	// NodeID identifies the node.
	NodeID uuid.UUID `json:"node_id"`
	// Locale is a language tag such as "en" or "pt-BR".
	Locale string `json:"locale"`
}

// EventType returns "body.updated".
func (*BodyUpdated) EventType() string { return "body.updated" }

// Variant returns "BodyUpdated".
func (*BodyUpdated) Variant() string { return "BodyUpdated" }

// SchemaVersion returns 1.
func (*BodyUpdated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: node_id not nil; locale not blank, at most
// 10 bytes.
func (e *BodyUpdated) Validate() error {
	return firstError(
		notNilUUID("node_id", e.NodeID),
		notEmpty("locale", e.Locale),
		maxLength("locale", e.Locale, 10),
	)
}

// CategoryCreated reports that a category was created.
// Its event type is "category.created".
type CategoryCreated struct {
	// CategoryID identifies the category.
	CategoryID uuid.UUID `json:"category_id"`
}

// EventType returns "category.created".
func (*CategoryCreated) EventType() string { return "category.created" }

// Variant returns "CategoryCreated".
func (*CategoryCreated) Variant() string { return "CategoryCreated" }

// SchemaVersion returns 1.
func (*CategoryCreated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: category_id not nil.
func (e *CategoryCreated) Validate() error {
	return firstError(
		notNilUUID("category_id", e.CategoryID),
	)
}

// CategoryUpdated reports that a category changed.
// Its event type is "category.updated".
type CategoryUpdated struct {
	// CategoryID identifies the category.
	CategoryID uuid.UUID `json:"category_id"`
}

// EventType returns "category.updated".
func (*CategoryUpdated) EventType() string { return "category.updated" }

// Variant returns "CategoryUpdated".
func (*CategoryUpdated) Variant() string { return "CategoryUpdated" }

// SchemaVersion returns 1.
func (*CategoryUpdated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: category_id not nil.
func (e *CategoryUpdated) Validate() error {
	return firstError(
		notNilUUID("category_id", e.CategoryID),
	)
}

// CategoryDeleted reports that a category was deleted.
// Its event type is "category.deleted".
type CategoryDeleted struct {
	// CategoryID identifies the category.
	CategoryID uuid.UUID `json:"category_id"`
}

// EventType returns "category.deleted".
func (*CategoryDeleted) EventType() string { return "category.deleted" }

// Variant returns "CategoryDeleted".
func (*CategoryDeleted) Variant() string { return "CategoryDeleted" }

// SchemaVersion returns 1.
func (*CategoryDeleted) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: category_id not nil.
func (e *CategoryDeleted) Validate() error {
	return firstError(
		notNilUUID("category_id", e.CategoryID),
	)
}

// TagCreated reports that a tag was created.
// Its event type is "tag.created".
type TagCreated struct {
	// TagID identifies the tag.
	TagID uuid.UUID `json:"tag_id"`
}

// EventType returns "tag.created".
func (*TagCreated) EventType() string { return "tag.created" }

// Variant returns "TagCreated".
func (*TagCreated) Variant() string { return "TagCreated" }

// SchemaVersion returns 1.
func (*TagCreated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: tag_id not nil.
func (e *TagCreated) Validate() error {
	return firstError(
		notNilUUID("tag_id", e.TagID),
	)
}

// TagAttached reports that a tag was put on an entity.
// Its event type is "tag.attached".
type TagAttached struct {
	// TagID identifies the tag.
	TagID uuid.UUID `json:"tag_id"`
	// TargetType names the kind of entity, such as "node" or "product".
	TargetType string `json:"target_type"`
	// TargetID identifies the entity.
	TargetID uuid.UUID `json:"target_id"`
}

// EventType returns "tag.attached".
func (*TagAttached) EventType() string { return "tag.attached" }

// Variant returns "TagAttached".
func (*TagAttached) Variant() string { return "TagAttached" }

// SchemaVersion returns 1.
func (*TagAttached) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: tag_id not nil; target_type not blank, at
// most 64 bytes; target_id not nil.
func (e *TagAttached) Validate() error {
	return firstError(
		notNilUUID("tag_id", e.TagID),
		notEmpty("target_type", e.TargetType),
		maxLength("target_type", e.TargetType, 64),
		notNilUUID("target_id", e.TargetID),
	)
}

// TagDetached reports that a tag was taken off an entity.
// Its event type is "tag.detached".
type TagDetached struct {
	// TagID identifies the tag.
	TagID uuid.UUID `json:"tag_id"`
	// TargetType names the kind of entity, such as "node" or "product".
	TargetType string `json:"target_type"`
	// TargetID identifies the entity.
	TargetID uuid.UUID `json:"target_id"`
}

// EventType returns "tag.detached".
func (*TagDetached) EventType() string { return "tag.detached" }

// Variant returns "TagDetached".
func (*TagDetached) Variant() string { return "TagDetached" }

// SchemaVersion returns 1.
func (*TagDetached) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: tag_id not nil; target_type not blank, at
// most 64 bytes; target_id not nil.
func (e *TagDetached) Validate() error {
	return firstError(
		notNilUUID("tag_id", e.TagID),
		notEmpty("target_type", e.TargetType),
		maxLength("target_type", e.TargetType, 64),
		notNilUUID("target_id", e.TargetID),
	)
}

// MediaUploaded reports that a media file was stored.
// Its event type is "media.uploaded".
type MediaUploaded struct {
	// MediaID identifies the media file.
	MediaID uuid.UUID `json:"media_id"`
	// MimeType is the media type, such as "image/png".
	MimeType string `json:"mime_type"`
	// Size is the file size in bytes.
	Size int64 `json:"size"`
}

// EventType returns "media.uploaded".
func (*MediaUploaded) EventType() string { return "media.uploaded" }

// Variant returns "MediaUploaded".
func (*MediaUploaded) Variant() string { return "MediaUploaded" }

// SchemaVersion returns 1.
func (*MediaUploaded) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: media_id not nil; mime_type not blank, at
// most 255 bytes, containing '/'; size not negative.
func (e *MediaUploaded) Validate() error {
	return firstError(
		notNilUUID("media_id", e.MediaID),
		notEmpty("mime_type", e.MimeType),
		maxLength("mime_type", e.MimeType, 255),
		invalidWhen(!strings.Contains(e.MimeType, "/"), "mime_type", "must be in format 'type/subtype'"),
		inRange("size", e.Size, 0, math.MaxInt64),
	)
}

// MediaDeleted reports that a media file was removed.
// Its event type is "media.deleted".
type MediaDeleted struct {
	// MediaID identifies the media file.
	MediaID uuid.UUID `json:"media_id"`
}

// EventType returns "media.deleted".
func (*MediaDeleted) EventType() string { return "media.deleted" }

// Variant returns "MediaDeleted".
func (*MediaDeleted) Variant() string { return "MediaDeleted" }

// SchemaVersion returns 1.
func (*MediaDeleted) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: media_id not nil.
func (e *MediaDeleted) Validate() error {
	return firstError(
		notNilUUID("media_id", e.MediaID),
	)
}
