# /resource_classes and /resource_classes/{name}, as upstream: list and show
# from 1.2, POST and rename (1.2-1.6), create-or-check PUT from 1.7.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

my $BASE = base_url();
my $M = mount();

sub names_of { [sort map { $_->{name} } @{ $_[0]{resource_classes} || [] }] }

# ---- microversion gate -------------------------------------------------------------
run_cases(
    { t => 'list at 1.1 404', m => 'GET', p => '/resource_classes', v => '1.1', st => 404 },
    { t => 'show at 1.1 404', m => 'GET', p => '/resource_classes/VCPU', v => '1.1', st => 404 },
    { t => 'POST at 1.1 404', m => 'POST', p => '/resource_classes', v => '1.1',
      body => { name => 'CUSTOM_GATE_RC' }, st => 404 },
    { t => 'the 1.1 POST created nothing', m => 'GET', p => '/resource_classes/CUSTOM_GATE_RC',
      v => '1.2', st => 404 },
);

# ---- list and show --------------------------------------------------------------------
run_cases(
    { t => 'list at 1.2', m => 'GET', p => '/resource_classes', v => '1.2', st => 200,
      hdr => { 'last-modified' => undef },
      json => sub {
          my %by = map { ($_->{name} => $_) } @{ $_[0]{resource_classes} };
          ok($by{$_}, "standard class $_ listed") for qw(VCPU MEMORY_MB DISK_GB PCI_DEVICE);
          is_deeply($by{VCPU}{links}, [{ rel => 'self', href => "$M/resource_classes/VCPU" }],
                    'self link with the mount prefix');
      } },
    { t => 'list at 1.15 has last-modified', m => 'GET', p => '/resource_classes', v => '1.15',
      st => 200, hdr => { 'last-modified' => qr/GMT$/, 'cache-control' => 'no-cache' } },
    { t => 'show a standard class', m => 'GET', p => '/resource_classes/VCPU', v => '1.2',
      st => 200, hdr => { 'last-modified' => undef },
      json => sub { is_deeply($_[0], { name => 'VCPU', links => [{ rel => 'self',
                                       href => "$M/resource_classes/VCPU" }] }, 'body') } },
    { t => 'show at 1.15 has last-modified', m => 'GET', p => '/resource_classes/VCPU',
      v => '1.15', st => 200, hdr => { 'last-modified' => qr/GMT$/,
                                       'cache-control' => 'no-cache' } },
    { t => 'show unknown 404', m => 'GET', p => '/resource_classes/CUSTOM_NOPE_SHOW', v => '1.2',
      st => 404, detail => 'No such resource class CUSTOM_NOPE_SHOW' },
    { t => 'show lower case 404', m => 'GET', p => '/resource_classes/vcpu', v => '1.2',
      st => 404, detail => 'No such resource class vcpu' },
);

# ---- POST (1.2+) ------------------------------------------------------------------------
{
    my $rc = new_rc();
    run_cases(
        { t => 'POST a custom class 201', m => 'POST', p => '/resource_classes', v => '1.2',
          body => { name => $rc }, st => 201,
          hdr => { location => "$BASE/resource_classes/$rc", 'content-type' => undef },
          json => sub { is($_[1]->content, '', 'empty body') } },
        { t => 'POST it again 409', m => 'POST', p => '/resource_classes', v => '1.2',
          body => { name => $rc }, st => 409,
          detail => "Conflicting resource class already exists: $rc" },
        { t => 'POST a standard name 400', m => 'POST', p => '/resource_classes', v => '1.2',
          body => { name => 'VCPU' }, st => 400, detail => "'VCPU' does not match '^CUSTOM_[A-Z0-9_]+\$'" },
        { t => 'POST lower case 400', m => 'POST', p => '/resource_classes', v => '1.2',
          body => { name => 'CUSTOM_lower' }, st => 400, detail => 'does not match' },
        { t => 'POST too long 400', m => 'POST', p => '/resource_classes', v => '1.2',
          body => { name => 'CUSTOM_' . ('A' x 249) }, st => 400, detail => 'is too long' },
        { t => 'POST without name 400', m => 'POST', p => '/resource_classes', v => '1.2',
          body => {}, st => 400, detail => "'name' is a required property" },
        { t => 'POST extra key 400', m => 'POST', p => '/resource_classes', v => '1.2',
          body => { name => new_rc(), x => 1 }, st => 400,
          detail => "Additional properties are not allowed ('x' was unexpected)" },
        { t => 'the new class is listed', m => 'GET', p => '/resource_classes', v => '1.2',
          st => 200, json => sub {
              my @n = @{ names_of($_[0]) };
              is(scalar(grep { $_ eq $rc } @n), 1, 'listed once');
              ok(!grep({ $_ eq 'CUSTOM_lower' } @n), 'invalid one not created');
          } },
        { t => 'show the new class', m => 'GET', p => "/resource_classes/$rc", v => '1.15',
          st => 200, hdr => { 'last-modified' => qr/GMT$/ },
          json => sub { is($_[0]{name}, $rc, 'name') } },
    );
}

# ---- PUT: rename (1.2-1.6) ------------------------------------------------------------
{
    my ($a, $b, $taken) = (new_rc(), new_rc(), new_rc());
    api(POST => '/resource_classes', version => '1.2', body => { name => $_ }) for $a, $taken;
    run_cases(
        { t => 'rename at 1.6 200', m => 'PUT', p => "/resource_classes/$a", v => '1.6',
          body => { name => $b }, st => 200,
          json => sub { is_deeply($_[0], { name => $b, links => [{ rel => 'self',
                                   href => "$M/resource_classes/$b" }] }, 'body') } },
        { t => 'old name gone', m => 'GET', p => "/resource_classes/$a", v => '1.6', st => 404 },
        { t => 'new name there', m => 'GET', p => "/resource_classes/$b", v => '1.6', st => 200 },
        { t => 'rename onto a taken name 409', m => 'PUT', p => "/resource_classes/$b",
          v => '1.6', body => { name => $taken }, st => 409,
          detail => "Resource class already exists: $taken" },
        { t => 'rename a standard class 400', m => 'PUT', p => '/resource_classes/VCPU',
          v => '1.6', body => { name => new_rc() }, st => 400,
          detail => 'Cannot update standard resource class VCPU' },
        { t => 'rename a missing class 404', m => 'PUT', p => '/resource_classes/CUSTOM_NOPE_REN',
          v => '1.6', body => { name => new_rc() }, st => 404 },
        { t => 'rename to a bad name 400', m => 'PUT', p => "/resource_classes/$b", v => '1.6',
          body => { name => 'VCPU' }, st => 400, detail => 'does not match' },
        { t => 'failed renames kept the name', m => 'GET', p => "/resource_classes/$b",
          v => '1.6', st => 200 },
        { t => 'VCPU still VCPU', m => 'GET', p => '/resource_classes/VCPU', v => '1.6', st => 200 },
    );
}

# ---- PUT: create or check (1.7+) --------------------------------------------------------
{
    my $rc = new_rc();
    run_cases(
        { t => 'PUT new at 1.7 201', m => 'PUT', p => "/resource_classes/$rc", v => '1.7',
          st => 201, hdr => { location => "$BASE/resource_classes/$rc", 'content-type' => undef },
          json => sub { is($_[1]->content, '', 'empty body') } },
        { t => 'PUT existing at 1.7 204', m => 'PUT', p => "/resource_classes/$rc", v => '1.7',
          st => 204, hdr => { location => "$BASE/resource_classes/$rc", 'content-type' => undef } },
        { t => 'PUT standard at 1.7 400', m => 'PUT', p => '/resource_classes/VCPU', v => '1.7',
          st => 400, detail => "'VCPU' does not match '^CUSTOM_[A-Z0-9_]+\$'" },
        { t => 'PUT lower case at 1.7 400', m => 'PUT', p => '/resource_classes/CUSTOM_x',
          v => '1.7', st => 400, detail => 'does not match' },
        { t => 'PUT with a body at 1.7 is ignored', m => 'PUT', p => "/resource_classes/$rc",
          v => '1.7', body => { name => new_rc() }, st => 204 },
        { t => 'the class exists', m => 'GET', p => "/resource_classes/$rc", v => '1.7', st => 200 },
        { t => 'the lower case one does not', m => 'GET', p => '/resource_classes/CUSTOM_x',
          v => '1.7', st => 404 },
    );
}

# ---- DELETE ------------------------------------------------------------------------------
{
    my ($rc, $used) = (new_rc(), new_rc());
    api(PUT => "/resource_classes/$_", version => '1.7') for $rc, $used;
    my $rp = new_rp();
    put_inv($rp, $used => { total => 1 });
    run_cases(
        { t => 'DELETE at 1.1 404', m => 'DELETE', p => "/resource_classes/$rc", v => '1.1',
          st => 404 },
        { t => 'DELETE a standard class 400', m => 'DELETE', p => '/resource_classes/VCPU',
          v => '1.2', st => 400,
          detail => 'Error in delete resource class: Cannot delete standard resource class VCPU.' },
        { t => 'DELETE a class in use 409', m => 'DELETE', p => "/resource_classes/$used",
          v => '1.2', st => 409,
          detail => "Error in delete resource class: Cannot delete resource class $used. Class is in use in inventory." },
        { t => 'DELETE a missing class 404', m => 'DELETE', p => '/resource_classes/CUSTOM_NOPE_DEL',
          v => '1.2', st => 404, detail => 'No such resource class CUSTOM_NOPE_DEL' },
        { t => 'failed deletes changed nothing', m => 'GET', p => "/resource_classes/$used",
          v => '1.2', st => 200 },
        { t => 'VCPU still there', m => 'GET', p => '/resource_classes/VCPU', v => '1.2', st => 200 },
        { t => 'DELETE an unused class 204', m => 'DELETE', p => "/resource_classes/$rc",
          v => '1.2', st => 204, hdr => { 'content-type' => undef } },
        { t => 'deleted is gone', m => 'GET', p => "/resource_classes/$rc", v => '1.2', st => 404 },
    );
    put_inv($rp);    # no inventory: the class is free again
    check_case({ t => 'DELETE once the inventory is gone 204', m => 'DELETE',
                 p => "/resource_classes/$used", v => '1.2', st => 204 });
}

done_testing();
