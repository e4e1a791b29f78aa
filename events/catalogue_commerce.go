package events

import (
	"math"

	"github.com/google/uuid"
)

// RusToK events of commerce: products, variants, stock, prices and orders.

// ProductCreated reports that a product was created.
// Its event type is "product.created".
type ProductCreated struct {
	// ProductID identifies the product.
	ProductID uuid.UUID `json:"product_id"`
}

// EventType returns "product.created".
func (*ProductCreated) EventType() string { return "product.created" }

// Variant returns "ProductCreated".
func (*ProductCreated) Variant() string { return "ProductCreated" }

// SchemaVersion returns 1.
func (*ProductCreated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: product_id not nil.
func (e *ProductCreated) Validate() error {
	return firstError(
		notNilUUID("product_id", e.ProductID),
	)
}

// ProductUpdated reports that a product changed.
// Its event type is "product.updated".
type ProductUpdated struct {
	// ProductID identifies the product.
	ProductID uuid.UUID `json:"product_id"`
}

// EventType returns "product.updated".
func (*ProductUpdated) EventType() string { return "product.updated" }

// Variant returns "ProductUpdated".
func (*ProductUpdated) Variant() string { return "ProductUpdated" }

// SchemaVersion returns 1.
func (*ProductUpdated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: product_id not nil.
func (e *ProductUpdated) Validate() error {
	return firstError(
		notNilUUID("product_id", e.ProductID),
	)
}

// ProductPublished reports that a product went on sale.
// Its event type is "product.published".
type ProductPublished struct {
	// ProductID identifies the product.
	ProductID uuid.UUID `json:"product_id"`
}

// EventType returns "product.published".
func (*ProductPublished) EventType() string { return "product.published" }

// Variant returns "ProductPublished".
func (*ProductPublished) Variant() string { return "ProductPublished" }

// SchemaVersion returns 1.
func (*ProductPublished) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: product_id not nil.
func (e *ProductPublished) Validate() error {
	return firstError(
		notNilUUID("product_id", e.ProductID),
	)
}

// ProductDeleted reports that a product was deleted.
// Its event type is "product.deleted".
type ProductDeleted struct {
	// ProductID identifies the product.
	ProductID uuid.UUID `json:"product_id"`
}

// EventType returns "product.deleted".
func (*ProductDeleted) EventType() string { return "product.deleted" }

// Variant returns "ProductDeleted".
func (*ProductDeleted) Variant() string { return "ProductDeleted" }

// SchemaVersion returns 1.
func (*ProductDeleted) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: product_id not nil.
func (e *ProductDeleted) Validate() error {
	return firstError(
		notNilUUID("product_id", e.ProductID),
	)
}

// VariantCreated reports that a product variant was created.
// Its event type is "variant.created".
type VariantCreated struct {
	// VariantID identifies the product variant.
	VariantID uuid.UUID `json:"variant_id"`
	// ProductID identifies the product.
	ProductID uuid.UUID `json:"product_id"`
}

// EventType returns "variant.created".
func (*VariantCreated) EventType() string { return "variant.created" }

// Variant returns "VariantCreated".
func (*VariantCreated) Variant() string { return "VariantCreated" }

// SchemaVersion returns 1.
func (*VariantCreated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: variant_id not nil; product_id not nil.
func (e *VariantCreated) Validate() error {
	return firstError(
		notNilUUID("variant_id", e.VariantID),
		notNilUUID("product_id", e.ProductID),
	)
}

// VariantUpdated reports that a product variant changed.
// Its event type is "variant.updated".
type VariantUpdated struct {
	// VariantID identifies the product variant.
	VariantID uuid.UUID `json:"variant_id"`
	// ProductID identifies the product.
	ProductID uuid.UUID `json:"product_id"`
}

// EventType returns "variant.updated".
func (*VariantUpdated) EventType() string { return "variant.updated" }

// Variant returns "VariantUpdated".
func (*VariantUpdated) Variant() string { return "VariantUpdated" }

// SchemaVersion returns 1.
func (*VariantUpdated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: variant_id not nil; product_id not nil.
func (e *VariantUpdated) Validate() error {
	return firstError(
		notNilUUID("variant_id", e.VariantID),
		notNilUUID("product_id", e.ProductID),
	)
}

// VariantDeleted reports that a product variant was deleted.
// Its event type is "variant.deleted".
type VariantDeleted struct {
	// VariantID identifies the product variant.
	VariantID uuid.UUID `json:"variant_id"`
	// ProductID identifies the product.
	ProductID uuid.UUID `json:"product_id"`
}

// EventType returns "variant.deleted".
func (*VariantDeleted) EventType() string { return "variant.deleted" }

// Variant returns "VariantDeleted".
func (*VariantDeleted) Variant() string { return "VariantDeleted" }

// SchemaVersion returns 1.
func (*VariantDeleted) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: variant_id not nil; product_id not nil.
func (e *VariantDeleted) Validate() error {
	return firstError(
		notNilUUID("variant_id", e.VariantID),
		notNilUUID("product_id", e.ProductID),
	)
}

// InventoryUpdated reports a change of stock of one variant at one location.
// Its event type is "inventory.updated".
type InventoryUpdated struct {
	// VariantID identifies the product variant.
	VariantID uuid.UUID `json:"variant_id"`
	// ProductID identifies the product.
	ProductID uuid.UUID `json:"product_id"`
	// LocationID identifies the stock location.
	LocationID uuid.UUID `json:"location_id"`
	// OldQuantity is the stock before the change, in units.
	OldQuantity int32 `json:"old_quantity"`
	// NewQuantity is the stock after the change, in units.
	NewQuantity int32 `json:"new_quantity"`
}

// EventType returns "inventory.updated".
func (*InventoryUpdated) EventType() string { return "inventory.updated" }

// Variant returns "InventoryUpdated".
func (*InventoryUpdated) Variant() string { return "InventoryUpdated" }

// SchemaVersion returns 1.
func (*InventoryUpdated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: variant_id not nil; product_id not nil;
// location_id not nil; old_quantity not negative; new_quantity not negative.
func (e *InventoryUpdated) Validate() error {
	return firstError(
		notNilUUID("variant_id", e.VariantID),
		notNilUUID("product_id", e.ProductID),
		notNilUUID("location_id", e.LocationID),
		inRange("old_quantity", int64(e.OldQuantity), 0, math.MaxInt64),
		inRange("new_quantity", int64(e.NewQuantity), 0, math.MaxInt64),
	)
}

// InventoryLow reports that a variant's stock fell below its threshold.
// Its event type is "inventory.low".
type InventoryLow struct {
	// VariantID identifies the product variant.
	VariantID uuid.UUID `json:"variant_id"`
	// ProductID identifies the product.
	ProductID uuid.UUID `json:"product_id"`
	// Remaining is the stock left, in units.
	Remaining int32 `json:"remaining"`
	// Threshold is the stock level below which stock is low, in units.
	Threshold int32 `json:"threshold"`
}

// EventType returns "inventory.low".
func (*InventoryLow) EventType() string { return "inventory.low" }

// Variant returns "InventoryLow".
func (*InventoryLow) Variant() string { return "InventoryLow" }

// SchemaVersion returns 1.
func (*InventoryLow) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: variant_id not nil; product_id not nil;
// remaining not negative, below threshold; threshold not negative.
func (e *InventoryLow) Validate() error {
	return firstError(
		notNilUUID("variant_id", e.VariantID),
		notNilUUID("product_id", e.ProductID),
		inRange("remaining", int64(e.Remaining), 0, math.MaxInt64),
		inRange("threshold", int64(e.Threshold), 0, math.MaxInt64),
		invalidWhen(e.Remaining >= e.Threshold, "remaining",
			"must be less than threshold for low inventory"),
	)
}

// PriceUpdated reports a change of a variant's price in one currency.
// Its event type is "price.updated".
type PriceUpdated struct {
	// VariantID identifies the product variant.
	VariantID uuid.UUID `json:"variant_id"`
	// ProductID identifies the product.
	ProductID uuid.UUID `json:"product_id"`
	// Currency is an ISO 4217 code such as "EUR".
	Currency string `json:"currency"`
	// OldAmount is the previous price in minor units, nil for a first price.
	OldAmount *int64 `json:"old_amount"`
	// NewAmount is the new price in minor currency units (cents).
	NewAmount int64 `json:"new_amount"`
}

// EventType returns "price.updated".
func (*PriceUpdated) EventType() string { return "price.updated" }

// Variant returns "PriceUpdated".
func (*PriceUpdated) Variant() string { return "PriceUpdated" }

// SchemaVersion returns 1.
func (*PriceUpdated) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: variant_id not nil; product_id not nil;
// currency three ASCII capital letters; old_amount not negative; new_amount not
// negative.
func (e *PriceUpdated) Validate() error {
	return firstError(
		notNilUUID("variant_id", e.VariantID),
		notNilUUID("product_id", e.ProductID),
		currencyCode("currency", e.Currency),
		optionalInRange("old_amount", e.OldAmount, 0, math.MaxInt64),
		inRange("new_amount", e.NewAmount, 0, math.MaxInt64),
	)
}

// OrderPlaced reports that a customer placed an order.
// Its event type is "order.placed".
type OrderPlaced struct {
	// OrderID identifies the order.
	OrderID uuid.UUID `json:"order_id"`
	// CustomerID is the buyer, nil for a guest checkout.
	CustomerID *uuid.UUID `json:"customer_id"`
	// Total is the order total in minor currency units (cents).
	Total int64 `json:"total"`
	// Currency is an ISO 4217 code such as "EUR".
	Currency string `json:"currency"`
}

// EventType returns "order.placed".
func (*OrderPlaced) EventType() string { return "order.placed" }

// Variant returns "OrderPlaced".
func (*OrderPlaced) Variant() string { return "OrderPlaced" }

// SchemaVersion returns 1.
func (*OrderPlaced) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: order_id not nil; customer_id not nil when
// set; total not negative; currency three ASCII capital letters.
func (e *OrderPlaced) Validate() error {
	return firstError(
		notNilUUID("order_id", e.OrderID),
		optionalUUID("customer_id", e.CustomerID),
		inRange("total", e.Total, 0, math.MaxInt64),
		currencyCode("currency", e.Currency),
	)
}

// OrderStatusChanged reports that an order moved from one status to another.
// Its event type is "order.status_changed".
type OrderStatusChanged struct {
	// OrderID identifies the order.
	OrderID uuid.UUID `json:"order_id"`
	// OldStatus is the status the order left.
	OldStatus string `json:"old_status"`
	// NewStatus is the status the order entered.
	NewStatus string `json:"new_status"`
}

// EventType returns "order.status_changed".
func (*OrderStatusChanged) EventType() string { return "order.status_changed" }

// Variant returns "OrderStatusChanged".
func (*OrderStatusChanged) Variant() string { return "OrderStatusChanged" }

// SchemaVersion returns 1.
func (*OrderStatusChanged) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: order_id not nil; old_status not blank, at
// most 50 bytes; new_status not blank, at most 50 bytes, different from
// old_status.
func (e *OrderStatusChanged) Validate() error {
	return firstError(
		notNilUUID("order_id", e.OrderID),
		notEmpty("old_status", e.OldStatus),
		maxLength("old_status", e.OldStatus, 50),
		notEmpty("new_status", e.NewStatus),
		maxLength("new_status", e.NewStatus, 50),
		invalidWhen(e.OldStatus == e.NewStatus, "new_status", "must be different from old_status"),
	)
}

// OrderCompleted reports that an order was fulfilled.
// Its event type is "order.completed".
type OrderCompleted struct {
	// OrderID identifies the order.
	OrderID uuid.UUID `json:"order_id"`
}

// EventType returns "order.completed".
func (*OrderCompleted) EventType() string { return "order.completed" }

// Variant returns "OrderCompleted".
func (*OrderCompleted) Variant() string { return "OrderCompleted" }

// SchemaVersion returns 1.
func (*OrderCompleted) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: order_id not nil.
func (e *OrderCompleted) Validate() error {
	return firstError(
		notNilUUID("order_id", e.OrderID),
	)
}

// OrderCancelled reports that an order was cancelled.
// Its event type is "order.cancelled".
type OrderCancelled struct {
	// OrderID identifies the order.
	OrderID uuid.UUID `json:"order_id"`
	// Reason says why, if anyone said.
	Reason *string `json:"reason"`
}

// EventType returns "order.cancelled".
func (*OrderCancelled) EventType() string { return "order.cancelled" }

// Variant returns "OrderCancelled".
func (*OrderCancelled) Variant() string { return "OrderCancelled" }

// SchemaVersion returns 1.
func (*OrderCancelled) SchemaVersion() uint16 { return 1 }

// Validate applies RusToK's rules: order_id not nil; reason at most 500 bytes.
func (e *OrderCancelled) Validate() error {
	return firstError(
		notNilUUID("order_id", e.OrderID),
		optionalMaxLength("reason", e.Reason, 500),
	)
}
