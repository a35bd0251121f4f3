package PlacementCases;
# Table-driven checks and fixtures for the per-resource API tests.
#
#   check_case({ t => 'label', m => 'PUT', p => '/path', v => '1.39',
#                body => {...}, st => 409, code => 'placement.concurrent_update',
#                detail => 'exact text contained in the detail',
#                hdr => { location => qr{...}, 'content-type' => undef },
#                json => sub { my ($doc, $res) = @_; ...more asserts... } })
# runs one request as a subtest and asserts what the case names.  A header
# value of undef asserts the header is absent; a string asserts equality;
# a regexp asserts a match.  `code => undef` (present) asserts no code.
use strict;
use warnings;
use Exporter 'import';
use Test::More;
use PlacementTest;

our @EXPORT = qw(check_case run_cases new_rp rp_gen put_inv new_name
                 new_trait new_rc allocate base_url mount);
our @EXPORT_OK = qw(policy_routes);

# [method, path]: every route of the API (route table order), for the
# permission matrices; $rp an existing provider, $c a consumer uuid.
sub policy_routes {
    my ($rp, $c) = @_;
    return (
        [GET => '/resource_classes'], [POST => '/resource_classes'],
        [GET => '/resource_classes/VCPU'], [PUT => '/resource_classes/CUSTOM_P'],
        [DELETE => '/resource_classes/CUSTOM_P'],
        [GET => '/resource_providers'], [POST => '/resource_providers'],
        [GET => "/resource_providers/$rp"], [PUT => "/resource_providers/$rp"],
        [DELETE => '/resource_providers/' . PlacementTest::new_uuid()],
        [GET => "/resource_providers/$rp/inventories"],
        [POST => "/resource_providers/$rp/inventories"],
        [PUT => "/resource_providers/$rp/inventories"],
        [DELETE => "/resource_providers/$rp/inventories"],
        [GET => "/resource_providers/$rp/inventories/VCPU"],
        [PUT => "/resource_providers/$rp/inventories/VCPU"],
        [DELETE => "/resource_providers/$rp/inventories/VCPU"],
        [GET => "/resource_providers/$rp/usages"],
        [GET => "/resource_providers/$rp/aggregates"],
        [PUT => "/resource_providers/$rp/aggregates"],
        [GET => "/resource_providers/$rp/allocations"],
        [POST => '/allocations'], [GET => "/allocations/$c"], [PUT => "/allocations/$c"],
        [DELETE => "/allocations/$c"],
        [GET => '/allocation_candidates?resources=VCPU:1'],
        [GET => '/traits'], [GET => '/traits/HW_CPU_X86_AVX2'], [PUT => '/traits/CUSTOM_P'],
        [DELETE => '/traits/CUSTOM_P'],
        [GET => "/resource_providers/$rp/traits"], [PUT => "/resource_providers/$rp/traits"],
        [DELETE => "/resource_providers/$rp/traits"],
        [GET => '/usages?project_id=proj1'],
        [POST => '/reshaper'],
    );
}

my $seq = 0;

# The mount point; PT_PREFIX overrides it only when these files are run by
# hand against another server through a stand-in Apache::TestRequest.
sub mount { $ENV{PT_PREFIX} // '/placement' }
sub base_url { 'http://' . Apache::TestRequest::hostport() . mount() }

# A name unique to this run and this test file.
sub new_name {
    my ($prefix) = @_;
    $seq++;
    return ($prefix // 'rp') . "-$$-" . time() . "-$seq-" . int(rand(1e6));
}

# CUSTOM_ names (upper case letters, digits and _ only).
sub _custom_suffix {
    $seq++;
    return uc(join '', map { ('A' .. 'Z')[rand 26] } 1 .. 10) . "_$seq";
}
sub new_trait { 'CUSTOM_T_' . _custom_suffix() }
sub new_rc    { 'CUSTOM_RC_' . _custom_suffix() }

# Create a provider; returns its uuid.  %o: name, parent, uuid.
sub new_rp {
    my (%o) = @_;
    my $uuid = $o{uuid} // new_uuid();
    my $body = { name => $o{name} // new_name('rp'), uuid => $uuid };
    $body->{parent_provider_uuid} = $o{parent} if $o{parent};
    my $res = api(POST => '/resource_providers', version => '1.39', body => $body);
    die 'fixture: provider create failed: ' . $res->status_line . ' ' . $res->content
        unless $res->code == 200;
    return $uuid;
}

sub rp_gen {
    my ($uuid) = @_;
    my $res = api(GET => "/resource_providers/$uuid", version => '1.39');
    return $res->code == 200 ? json($res)->{generation} : undef;
}

# Replace a provider's inventories: put_inv($uuid, VCPU => {total => 8}, ...).
sub put_inv {
    my ($uuid, %inv) = @_;
    my $res = api(PUT => "/resource_providers/$uuid/inventories", version => '1.39',
                  body => { resource_provider_generation => rp_gen($uuid),
                            inventories => \%inv });
    die 'fixture: inventory put failed: ' . $res->status_line . ' ' . $res->content
        unless $res->code == 200;
    return json($res);
}

# allocate($consumer, {$rp => {VCPU => 1}}, project => 'p', user => 'u',
#          type => 'INSTANCE', generation => undef) at 1.39.
sub allocate {
    my ($consumer, $allocs, %o) = @_;
    my %a = map { ($_ => { resources => $allocs->{$_} }) } keys %$allocs;
    my $body = { allocations => \%a,
                 project_id => $o{project} // 'proj-' . $$,
                 user_id => $o{user} // 'user-' . $$,
                 consumer_generation => $o{generation},
                 consumer_type => $o{type} // 'INSTANCE' };
    my $res = api(PUT => "/allocations/$consumer", version => $o{version} // '1.39',
                  body => $body);
    die 'fixture: allocation failed: ' . $res->status_line . ' ' . $res->content
        unless $res->code == 204;
    return $res;
}

sub check_case {
    my ($c) = @_;
    my $res;
    subtest $c->{t} => sub {
        my %o;
        $o{version} = $c->{v} if defined $c->{v};
        $o{body} = $c->{body} if exists $c->{body};
        $o{token} = $c->{token} if exists $c->{token};
        $o{headers} = $c->{headers} if $c->{headers};
        my $p = ref $c->{p} eq 'CODE' ? $c->{p}->() : $c->{p};
        $o{body} = $o{body}->() if ref $o{body} eq 'CODE';
        $res = api($c->{m} // 'GET', $p, %o);
        is($res->code, $c->{st}, "$c->{m} $p -> $c->{st}")
            or diag($res->content);
        my $err = error_of($res);
        if (exists $c->{code}) {
            is($err->{code}, $c->{code}, 'error code ' . ($c->{code} // 'absent'));
        }
        if (defined $c->{detail}) {
            for my $d (ref $c->{detail} eq 'ARRAY' ? @{ $c->{detail} } : $c->{detail}) {
                if (ref $d eq 'Regexp') {
                    like($err->{detail} // '', $d, 'detail matches');
                }
                else {
                    ok(index($err->{detail} // '', $d) >= 0, "detail contains '$d'")
                        or diag('detail: ' . ($err->{detail} // '(none)'));
                }
            }
        }
        for my $h (sort keys %{ $c->{hdr} || {} }) {
            my $want = $c->{hdr}{$h};
            my $got = $res->header($h);
            if (!defined $want) {
                ok(!defined $got, "no $h header") or diag("$h: $got");
            }
            elsif (ref $want eq 'Regexp') {
                like($got // '', $want, "$h header");
            }
            else {
                is($got, $want, "$h header");
            }
        }
        $c->{json}->(json($res), $res) if $c->{json};
        pass('request done') unless $c->{st};
    };
    return $res;
}

sub run_cases { check_case($_) for @_ }

1;
