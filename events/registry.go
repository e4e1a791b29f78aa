package events

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
)

// ErrDuplicateEvent is returned by Register for a variant or event type
// that is registered already.
var ErrDuplicateEvent = errors.New("events: event registered twice")

// Registry maps variant names ("OrderPlaced") and event types
// ("order.placed") to event structs, so that codecs can turn an envelope's
// event member back into a typed value. It is safe for concurrent use.
//
// An event struct is registered through a factory returning a pointer to a
// zero value, such as func() DomainEvent { return new(OrderPlaced) }. The
// factory is called once, to learn the type; decoding makes fresh values of
// that type, so decoded events are always pointers (*OrderPlaced).
type Registry struct {
	mu        sync.RWMutex
	byVariant map[string]*registered
	byType    map[string]*registered
}

// registered is one event kind known to a registry.
type registered struct {
	variant   string
	eventType string
	factory   func() DomainEvent
	info      *structInfo
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byVariant: map[string]*registered{}, byType: map[string]*registered{}}
}

// Register adds the event kind the factory makes. It fails when the
// factory does not return a non-nil pointer to a struct with a variant
// name and an event type, when a field has no json tag or a type the
// codecs cannot carry (see DomainEvent), or with ErrDuplicateEvent.
func (r *Registry) Register(factory func() DomainEvent) error {
	reg, err := describeEvent(factory)
	if err != nil {
		return err
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byVariant[reg.variant]; ok {
		return fmt.Errorf("%w: variant %s", ErrDuplicateEvent, reg.variant)
	}
	if _, ok := r.byType[reg.eventType]; ok {
		return fmt.Errorf("%w: event type %s", ErrDuplicateEvent, reg.eventType)
	}
	r.byVariant[reg.variant] = reg
	r.byType[reg.eventType] = reg
	return nil
}

// MustRegister registers every factory and panics on the first error. It
// is meant for package initialisation.
func (r *Registry) MustRegister(factories ...func() DomainEvent) {
	for _, f := range factories {
		if err := r.Register(f); err != nil {
			panic(err)
		}
	}
}

func describeEvent(factory func() DomainEvent) (*registered, error) {
	if factory == nil {
		return nil, errors.New("events: register: nil factory")
	}
	ev := factory()
	if ev == nil {
		return nil, errors.New("events: register: factory returned nil")
	}

	t := reflect.TypeOf(ev)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("events: register %s: want a pointer to a struct", t)
	}
	if t == reflect.TypeFor[*RawEvent]() {
		return nil, errors.New("events: register: RawEvent stands for unregistered events")
	}
	if ev.Variant() == "" || ev.EventType() == "" {
		return nil, fmt.Errorf("events: register %s: empty variant or event type", t)
	}

	info, err := structInfoOf(t.Elem())
	if err != nil {
		return nil, fmt.Errorf("events: register %s: %w", ev.Variant(), err)
	}
	reg := &registered{variant: ev.Variant(), eventType: ev.EventType(), factory: factory, info: info}
	return reg, nil
}

// ByVariant returns the factory registered for a variant name such as
// "OrderPlaced".
func (r *Registry) ByVariant(variant string) (func() DomainEvent, bool) {
	reg := r.lookupVariant(variant)
	if reg == nil {
		return nil, false
	}
	return reg.factory, true
}

// ByEventType returns the factory registered for an event type such as
// "order.placed".
func (r *Registry) ByEventType(eventType string) (func() DomainEvent, bool) {
	r.mu.RLock()
	reg := r.byType[eventType]
	r.mu.RUnlock()
	if reg == nil {
		return nil, false
	}
	return reg.factory, true
}

// Variants returns the registered variant names, sorted.
func (r *Registry) Variants() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.byVariant))
	for v := range r.byVariant {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

func (r *Registry) lookupVariant(variant string) *registered {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byVariant[variant]
}

// newEvent returns a fresh zero event of the registered kind and the
// struct value to fill in.
func (reg *registered) newEvent() (DomainEvent, reflect.Value) {
	p := reflect.New(reg.info.typ)
	return p.Interface().(DomainEvent), p.Elem()
}
