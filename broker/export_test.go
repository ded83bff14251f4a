package broker

import "context"

// DeliverLogouts attempts the back-channel logout deliveries due now on
// the broker's clock and returns how many are still pending: the tests'
// trigger, in place of RunLogoutDelivery's timer.
func (b *Broker) DeliverLogouts(ctx context.Context) int { return b.backchannel.deliverDue(ctx) }

// StoredClientsTTL is how stale the broker's copy of the stored clients
// may be.
const StoredClientsTTL = storedClientsTTL
