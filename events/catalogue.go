package events

// DefaultRegistry knows the whole RusToK catalogue (the 40 variants of
// RusToK's DomainEvent, February 2026 revision). The JSON and MessagePack
// codecs decode with it. Register application events into it at
// initialisation, before any decoding.
var DefaultRegistry = newCatalogueRegistry()

func newCatalogueRegistry() *Registry {
	r := NewRegistry()
	r.MustRegister(catalogue()...)
	return r
}

// catalogue lists the RusToK events in the order RusToK declares them.
func catalogue() []func() DomainEvent {
	return []func() DomainEvent{
		factoryOf[NodeCreated](),
		factoryOf[NodeUpdated](),
		factoryOf[NodeTranslationUpdated](),
		factoryOf[NodePublished](),
		factoryOf[NodeUnpublished](),
		factoryOf[NodeDeleted](),
		factoryOf[BodyUpdated](),
		factoryOf[CategoryCreated](),
		factoryOf[CategoryUpdated](),
		factoryOf[CategoryDeleted](),
		factoryOf[TagCreated](),
		factoryOf[TagAttached](),
		factoryOf[TagDetached](),
		factoryOf[MediaUploaded](),
		factoryOf[MediaDeleted](),
		factoryOf[UserRegistered](),
		factoryOf[UserLoggedIn](),
		factoryOf[UserUpdated](),
		factoryOf[UserDeleted](),
		factoryOf[ProductCreated](),
		factoryOf[ProductUpdated](),
		factoryOf[ProductPublished](),
		factoryOf[ProductDeleted](),
		factoryOf[VariantCreated](),
		factoryOf[VariantUpdated](),
		factoryOf[VariantDeleted](),
		factoryOf[InventoryUpdated](),
		factoryOf[InventoryLow](),
		factoryOf[PriceUpdated](),
		factoryOf[OrderPlaced](),
		factoryOf[OrderStatusChanged](),
		factoryOf[OrderCompleted](),
		factoryOf[OrderCancelled](),
		factoryOf[ReindexRequested](),
		factoryOf[IndexUpdated](),
		factoryOf[BuildRequested](),
		factoryOf[TenantCreated](),
		factoryOf[TenantUpdated](),
		factoryOf[LocaleEnabled](),
		factoryOf[LocaleDisabled](),
	}
}

// factoryOf returns a factory of zero *T values.
func factoryOf[T any, P interface {
	*T
	DomainEvent
}]() func() DomainEvent {
	return func() DomainEvent { return P(new(T)) }
}
