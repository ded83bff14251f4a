package ui

// The keys of the clients' steps (terms, legacy accounts, record files,
// organizations), with their fmt arguments; see keys.go.
//
//	terms.title                   terms of use page title
//	terms.intro                   accept to go on; decline goes back to the service
//	terms.version                 the version shown (%s)
//	terms.accept                  the accept button
//	terms.decline                 the decline button
//	legacy.title                  legacy account page title
//	legacy.intro                  what joining a former account does
//	legacy.once                   asked once; one former account per person
//	legacy.username.label         label of the former username
//	legacy.password.label         label of the former password
//	legacy.submit                 the join button
//	legacy.none                   the "I never had an account" button
//	legacy.none.hint              not asked again; support can change it
//	legacy.error.username         the former username is missing
//	legacy.error.password         the former password is missing
//	legacy.error.credentials      the one answer to a wrong username or password
//	legacy.error.taken            that former account is another person's
//	record.title.find             record step: the attributes' title
//	record.title.code             record step: the code's title
//	record.title.other            record step: the fallbacks' title
//	record.title.assisted         record step: request sent
//	record.find.intro             what finding a file does
//	record.find.submit            the find button
//	record.date.hint              how to type a date attribute
//	record.code.intro             the code went to the file's address (%s)
//	record.code.label             label of the code
//	record.code.submit            the confirm button
//	record.code.resend            the send-a-new-code button
//	record.code.lost              link to the fallbacks
//	record.other.intro            other ways to confirm the file
//	record.invoice.title          heading of the invoice fallback
//	record.invoice.label          label of the invoice number
//	record.invoice.hint           less than three years old
//	record.invoice.submit         the invoice button
//	record.assist.title           heading of the agent's help
//	record.assist.intro           an agent calls back at the file's details
//	record.assist.submit          the ask-an-agent button
//	record.back                   back to the code view
//	record.assisted.intro         what happens after the request
//	record.continue               go on to the service
//	record.error.required         a field is empty
//	record.error.date             a date attribute is not a date
//	record.error.nomatch          the one answer to attributes that match no file
//	record.error.ratelimited      too many codes sent
//	record.error.code.required    the code is empty
//	record.error.code             the code is wrong
//	record.error.code.expired     the code has expired
//	record.error.invoice.required the invoice number is empty
//	record.error.invoice          no such invoice of the last three years
//	record.error.taken            the file is another person's
//	org.title                     organization step page title
//	org.intro.choose              choose the organization you act for in %s (the service)
//	org.intro.none                %s (the service) needs an organization: enter your manager's code
//	org.choice                    one organization: its name (%s) — the role held (%s)
//	org.join.title                heading of the code form beside the chooser
//	org.code.label                the invitation (security) code field
//	org.code.hint                 what a code looks like
//	org.code.submit               the join button
//	org.activate.title            heading of the activation form
//	org.activate.intro            enter the client number and the mailed code
//	org.number.label              the client (external) number field
//	org.activation.label          the activation code field
//	org.activation.hint           where the activation code is
//	org.activate.submit           the activate button
//	org.request.title             heading: no activation code yet?
//	org.request.intro             ask for a new one by number; it replaces the old
//	org.request.submit            the button asking for an activation code
//	org.request.sent              the request is recorded; the code comes by mail
//	org.cancel                    back to the service without signing in
//	org.error.unknown             a code not recognized; wrong codes lock the account
//	org.error.expired             the code has expired
//	org.error.used                the code was used already
//	org.error.revoked             the code was cancelled by whoever issued it
//	org.error.member              already a member of that organization
//	org.error.inactive            the organization is not active
//	org.error.full                the organization takes no more members or invitations
//	org.error.number              no business awaits activation under that number
//	org.error.activation          the service does not activate businesses online
//	org.error.choice              choose one of your organizations
//	orgs.title                    Your organizations
//	orgs.intro                    The organizations you act for in government services, and your …
//	orgs.offers.title             Offers of ownership
//	orgs.offer                    Become the owner of %s (%s)
//	orgs.offer.accept             Accept ownership
//	orgs.offer.decline            Decline
//	orgs.list.title               Organizations you belong to
//	orgs.row                      %s — %s — %s
//	orgs.none                     You do not belong to any organization yet.
//	orgs.join.title               Join an organization
//	orgs.back                     Back to your account
//	orgs.notice.joined            You joined the organization.
//	orgs.notice.accepted          You are now the owner.
//	orgs.notice.declined          You declined the offer of ownership.
//	orgs.notice.left              You left the organization.
//	org.service                   Service
//	org.number                    Number
//	org.role                      Role
//	org.members.title             Members
//	org.role.label                New role for %s
//	org.role.submit               Change role
//	org.remove.submit             Remove from the organization
//	org.invitations.title         Pending invitations
//	org.invitation                %s, valid until %s
//	org.revoke.submit             Cancel this invitation
//	org.invite.title              Invite someone
//	org.invite.role               Role to give
//	org.invite.submit             Create a security code
//	org.invite.code               Give this security code to the person you invite. It is shown …
//	org.transfer.title            Transfer ownership
//	org.transfer.intro            Name the member who will become the owner. Ownership passes only …
//	org.transfer.family           Their family name
//	org.transfer.urn              Their User Reference Number (URN)
//	org.transfer.email            Their email address
//	org.transfer.submit           Offer ownership
//	org.leave.title               Leave the organization
//	org.leave.intro               You will no longer sign in for this organization.
//	org.leave.submit              Leave
//	org.back                      Back to your organizations
//	org.notice.revoked            The invitation is cancelled.
//	org.notice.removed            The member was removed.
//	org.notice.role               The role was changed.
//	org.notice.offered            Ownership is offered. It passes when the member accepts it on …
//	org.error.notallowed          Your role does not allow this.
//	org.error.person              No member of this organization has this family name, URN and …
//	org.error.owner               The owner cannot leave or be removed: transfer ownership first.
