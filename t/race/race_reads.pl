#!/usr/bin/perl
# Readers against writers: does every generation a GET returns belong to
# the data it is returned with?
#
#   t/race/race_reads.pl http://HOST:PORT[/PREFIX] [SECONDS]
#
# For each endpoint in turn (env RACE_ONLY=a,b picks some), on a provider of
# its own, RACE_WRITERS writers (default 2) and RACE_READERS readers
# (default 3) run for SECONDS (default 3, env RACE_SECONDS):
#
#   inventories   GET .../inventories; writers GET then PUT .../inventories
#                 with the generation read and totals no other write uses
#   inventory     GET .../inventories/VCPU; writers PUT .../inventories/VCPU
#   traits        GET .../traits; writers PUT a random set of traits
#   aggregates    GET .../aggregates (1.19); writers PUT a random set
#   rp_allocations GET .../allocations (resource_provider_generation, and
#                 consumer_generation per consumer); one writer PUTs
#                 /allocations/{c} for three consumers in turn
#   usages        GET .../usages; one writer as for rp_allocations
#   allocations   GET /allocations/{c} (consumer_generation, and the
#                 provider's generation); one writer PUTs /allocations/{c}
#   providers     GET /resource_providers?required=X; writers add and remove
#                 trait X on the provider
#   candidates    GET /allocation_candidates?resources=VCPU:2&required=X;
#                 writers toggle trait X and the VCPU total (1 or 8)
#
# Where the writers' answers carry the generation and the data (PUT
# inventories, traits, aggregates), they make the map generation -> data.
# Where a write answers 204 (allocations), there is one writer, so the n-th
# successful write made generation g0 + n (checked at the end).  Each read
# is then checked against the map: a read whose data is not its
# generation's is torn.  The candidates response carries no generation: its
# summary of the provider must hold trait X and room for VCPU:2, as the
# filter that chose it said.  Prints TAP and '# torn reads: ...'; core Perl.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use RaceHTTP qw(ok diag req uuid4 $tests $failed $json);
use File::Temp qw(tempdir);
use Time::HiRes qw(time);

my $base = shift @ARGV or die "usage: $0 http://HOST:PORT[/PREFIX] [SECONDS]\n";
$base =~ s{/+$}{};
RaceHTTP::client($base, '1.39', 60);
my $seconds = shift @ARGV || $ENV{RACE_SECONDS} || 3;
my $nwriters = $ENV{RACE_WRITERS} || 2;
my $nreaders = $ENV{RACE_READERS} || 3;
my @all = qw(inventories inventory traits aggregates rp_allocations usages allocations
             providers candidates);
my @endpoints = $ENV{RACE_ONLY} ? split(/,/, $ENV{RACE_ONLY}) : @all;
my $dir = tempdir(CLEANUP => 1);

sub tag { join '', map { ('A' .. 'Z')[rand 26] } 1 .. 8 }

sub new_provider {
    my $u = uuid4();
    my ($st, undef, $raw) = req('POST', '/resource_providers', {name => "reads-$u", uuid => $u});
    die "creating a provider: $st $raw\n" unless $st == 200 || $st == 201;
    return $u;
}

sub must {
    my ($want, $what, @r) = @_;
    my ($st, $doc, $raw) = req(@r);
    die "$what: status $st: $raw\n" unless grep { $st == $_ } @$want;
    return $doc;
}

sub gen_of {
    my ($path) = @_;
    my $doc = must([200], "GET $path", 'GET', $path);
    return $doc->{resource_provider_generation};
}

sub set_inventory {
    my ($uuid, %totals) = @_;
    my $g = gen_of("/resource_providers/$uuid/inventories");
    return must([200], 'PUT inventories', 'PUT', "/resource_providers/$uuid/inventories",
                {resource_provider_generation => $g,
                 inventories => {map { ($_ => {total => $totals{$_}}) } keys %totals}});
}

# ---- the data each endpoint pairs with a generation, as one text -----------------------

sub inv_text { my ($invs) = @_; join ',', map { "$_=$invs->{$_}{total}" } sort keys %$invs }
sub list_text { join ',', sort @{ $_[0] || [] } }

# ---- children ------------------------------------------------------------------------------

# Run code in a child until the deadline; its log lines go to a file of its own.
# A read that shows nothing to check logs ('R', '-', ...): it still counts.
my @kids;
sub spawn {
    my ($name, $deadline, $code) = @_;
    my $file = "$dir/" . scalar(@kids) . ".log";
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        srand($$ ^ time);
        open(my $out, '>', $file) or die "$file: $!";
        RaceHTTP::client($base, '1.39', 60);      # a connection of its own
        my $log = sub { print $out join("\t", @_), "\n" };
        # at least once, however slow the machine
        eval { do { $code->($log, $deadline) } while time < $deadline; 1 }
            or $log->('E', '-', "$name: $@");
        close $out;
        exit 0;
    }
    push @kids, [$pid, $file];
}

# Wait for every child; lines of all logs as [kind, generation, text].
sub reap {
    my @lines;
    for my $k (@kids) {
        waitpid($k->[0], 0);
        open(my $in, '<', $k->[1]) or next;
        while (my $l = <$in>) {
            chomp $l;
            push @lines, [split /\t/, $l, 3];
        }
    }
    @kids = ();
    return @lines;
}

# ---- the endpoints ------------------------------------------------------------------------
#
# Each returns {writers => [code...], reader => code, setup => [[gen, text]...],
# verify => code (optional, after the run: extra problems as texts)}.  Writers
# log ('W', gen, text) for an answer they got; readers ('R', gen, text).

my %endpoint;

$endpoint{inventories} = sub {
    my $u = new_provider();
    my $doc = set_inventory($u, VCPU => 8, MEMORY_MB => 1024);
    my $seq = 0;
    return {
        setup => [[$doc->{resource_provider_generation}, inv_text($doc->{inventories})]],
        writer => sub {
            my ($log, $id) = @_;
            my ($st, $cur) = req('GET', "/resource_providers/$u/inventories");
            return unless $st == 200;
            $seq++;
            my ($st2, $ans) = req('PUT', "/resource_providers/$u/inventories", {
                resource_provider_generation => $cur->{resource_provider_generation},
                inventories => {VCPU => {total => 1000 * $id + $seq},
                                MEMORY_MB => {total => 1000000 * $id + $seq}}});
            $log->('W', $ans->{resource_provider_generation}, inv_text($ans->{inventories}))
                if $st2 == 200;
        },
        reader => sub {
            my ($log) = @_;
            my ($st, $doc) = req('GET', "/resource_providers/$u/inventories");
            $log->('R', $doc->{resource_provider_generation}, inv_text($doc->{inventories}))
                if $st == 200;
        },
    };
};

$endpoint{inventory} = sub {
    my $u = new_provider();
    my $doc = set_inventory($u, VCPU => 8, MEMORY_MB => 1024);
    my $seq = 0;
    my $path = "/resource_providers/$u/inventories/VCPU";
    return {
        setup => [[$doc->{resource_provider_generation}, 8]],
        writer => sub {
            my ($log, $id) = @_;
            my ($st, $cur) = req('GET', $path);
            return unless $st == 200;
            $seq++;
            my ($st2, $ans) = req('PUT', $path, {
                resource_provider_generation => $cur->{resource_provider_generation},
                total => 1000 * $id + $seq});
            $log->('W', $ans->{resource_provider_generation}, $ans->{total}) if $st2 == 200;
        },
        reader => sub {
            my ($log) = @_;
            my ($st, $doc) = req('GET', $path);
            $log->('R', $doc->{resource_provider_generation}, $doc->{total}) if $st == 200;
        },
    };
};

# PUT a random subset of @pool at what, answering {what => [...], generation}.
sub set_writer {
    my ($u, $what, $version, @pool) = @_;
    my $path = "/resource_providers/$u/$what";
    return sub {
        my ($log) = @_;
        my ($st, $cur) = req('GET', $path, undef, $version);
        return unless $st == 200;
        my @pick = grep { rand() < 0.5 } @pool;
        my ($st2, $ans) = req('PUT', $path, {resource_provider_generation =>
                                             $cur->{resource_provider_generation},
                                             $what => \@pick}, $version);
        $log->('W', $ans->{resource_provider_generation}, list_text($ans->{$what}))
            if $st2 == 200;
    };
}

sub set_reader {
    my ($u, $what, $version) = @_;
    my $path = "/resource_providers/$u/$what";
    return sub {
        my ($log) = @_;
        my ($st, $doc) = req('GET', $path, undef, $version);
        $log->('R', $doc->{resource_provider_generation}, list_text($doc->{$what}))
            if $st == 200;
    };
}

sub new_traits {
    my ($n) = @_;
    my @t = map { 'CUSTOM_READS_' . tag() } 1 .. $n;
    must([201, 204], "PUT /traits/$_", 'PUT', "/traits/$_") for @t;
    return @t;
}

$endpoint{traits} = sub {
    my $u = new_provider();
    my @pool = new_traits(6);
    return {
        setup => [[gen_of("/resource_providers/$u/traits"), '']],
        writer => set_writer($u, 'traits', undef, @pool),
        reader => set_reader($u, 'traits'),
    };
};

$endpoint{aggregates} = sub {
    my $u = new_provider();
    my @pool = map { uuid4() } 1 .. 6;
    return {
        setup => [[gen_of("/resource_providers/$u/aggregates"), '']],
        writer => set_writer($u, 'aggregates', '1.19', @pool),
        reader => set_reader($u, 'aggregates'),
    };
};

# One writer of allocations against provider u for the consumers given: the
# n-th successful PUT (n from 1) is the provider's generation g0 + n.
# state(n) -> the data text after n writes; learns consumer generations.
sub alloc_writer {
    my ($u, $g0, $consumers, $text) = @_;
    my (%cgen, %amount);
    my ($n, $seq, $project, $user) = (0, 0, uuid4(), uuid4());
    my $w = sub {
        my ($log) = @_;
        my $c = $consumers->[$seq++ % @$consumers];
        my $amount = 1 + int rand 50;
        my ($st, undef, $raw) = req('PUT', "/allocations/$c", {
            allocations => {$u => {resources => {VCPU => $amount}}},
            consumer_generation => $cgen{$c}, project_id => $project, user_id => $user},
            '1.28');
        if ($st != 204) {
            $log->('E', '-', "PUT /allocations/$c: $st $raw");
            return;
        }
        $n++;
        $amount{$c} = $amount;
        # the writer is the only one of this consumer: its generation now
        my ($st2, $doc) = req('GET', "/allocations/$c", undef, '1.28');
        $cgen{$c} = $doc->{consumer_generation} if $st2 == 200;
        $log->('W', $g0 + $n, $text->(\%amount, \%cgen, $c));
        $log->('C', "$c $cgen{$c}", $amount) if defined $cgen{$c};
    };
    return $w;
}

# After the run: the provider's generation is g0 + the writes counted.
sub alloc_verify {
    my ($u) = @_;
    return sub {
        my ($lines) = @_;
        my ($max) = sort { $b <=> $a } map { $_->[1] } grep { $_->[0] eq 'W' } @$lines;
        my $now = gen_of("/resource_providers/$u/allocations");
        return () if !defined $max || $now == $max;
        return ("provider generation $now after the run, the writer counted $max "
                . "(a write bumped it more than once?)");
    };
}

sub alloc_provider {
    my $u = new_provider();
    my $doc = set_inventory($u, VCPU => 1000000);
    return ($u, $doc->{resource_provider_generation});
}

$endpoint{rp_allocations} = sub {
    my ($u, $g0) = alloc_provider();
    my @consumers = map { uuid4() } 1 .. 3;
    my $text = sub {
        my ($amount) = @_;
        join ',', map { "$_=$amount->{$_}" } sort keys %$amount;
    };
    return {
        setup => [[$g0, '']],
        single_writer => 1,
        writer => alloc_writer($u, $g0, \@consumers, $text),
        reader => sub {
            my ($log) = @_;
            my ($st, $doc) = req('GET', "/resource_providers/$u/allocations");
            return unless $st == 200;
            my $a = $doc->{allocations} || {};
            my %amount = map { ($_ => $a->{$_}{resources}{VCPU}) } keys %$a;
            $log->('R', $doc->{resource_provider_generation}, $text->(\%amount));
            $log->('D', "$_ $a->{$_}{consumer_generation}", $amount{$_}) for keys %$a;
        },
        verify => alloc_verify($u),
    };
};

$endpoint{usages} = sub {
    my ($u, $g0) = alloc_provider();
    my @consumers = map { uuid4() } 1 .. 3;
    my $text = sub {
        my ($amount) = @_;
        my $sum = 0;
        $sum += $_ for values %$amount;
        return "VCPU=$sum";
    };
    return {
        setup => [[$g0, 'VCPU=0']],
        single_writer => 1,
        writer => alloc_writer($u, $g0, \@consumers, $text),
        reader => sub {
            my ($log) = @_;
            my ($st, $doc) = req('GET', "/resource_providers/$u/usages");
            $log->('R', $doc->{resource_provider_generation},
                   'VCPU=' . ($doc->{usages}{VCPU} // 'none')) if $st == 200;
        },
        verify => alloc_verify($u),
    };
};

# GET /allocations/{c}: its consumer generation and the provider's, with the
# amount; one consumer on its own provider, so both are the writer's count.
$endpoint{allocations} = sub {
    my ($u, $g0) = alloc_provider();
    my $c = uuid4();
    return {
        setup => [],
        single_writer => 1,
        writer => alloc_writer($u, $g0, [$c], sub {
            my ($amount, $cgen) = @_;
            "$amount->{$c} at consumer generation " . ($cgen->{$c} // '?');
        }),
        reader => sub {
            my ($log) = @_;
            my ($st, $doc) = req('GET', "/allocations/$c");
            return unless $st == 200;
            return $log->('R', '-', 'no allocations yet') unless $doc->{allocations}{$u};
            $log->('R', $doc->{allocations}{$u}{generation},
                   "$doc->{allocations}{$u}{resources}{VCPU} at consumer generation "
                   . $doc->{consumer_generation});
        },
        verify => alloc_verify($u),
    };
};

# Trait x on or off: the text is whether the provider matches required=x.
$endpoint{providers} = sub {
    my $u = new_provider();
    my ($x) = new_traits(1);
    return {
        setup => [[gen_of("/resource_providers/$u/traits"), 'unlisted']],
        writer => sub {
            my ($log) = @_;
            my ($st, $cur) = req('GET', "/resource_providers/$u/traits");
            return unless $st == 200;
            my $on = rand() < 0.5;
            my ($st2, $ans) = req('PUT', "/resource_providers/$u/traits", {
                resource_provider_generation => $cur->{resource_provider_generation},
                traits => $on ? [$x] : []});
            $log->('W', $ans->{resource_provider_generation},
                   (grep { $_ eq $x } @{ $ans->{traits} }) ? 'listed' : 'unlisted')
                if $st2 == 200;
        },
        reader => sub {
            my ($log) = @_;
            my ($st, $doc) = req('GET', "/resource_providers?required=$x");
            return unless $st == 200;
            my ($rp) = grep { $_->{uuid} eq $u } @{ $doc->{resource_providers} };
            $log->('R', $rp ? ($rp->{generation}, 'listed') : ('-', 'unlisted'));
        },
    };
};

# No generation in the answer: the summary must agree with the filter.
$endpoint{candidates} = sub {
    my $u = new_provider();
    my ($x) = new_traits(1);
    set_inventory($u, VCPU => 8);
    return {
        setup => [],
        writer => sub {
            my ($log) = @_;
            if (rand() < 0.5) {
                my ($st, $cur) = req('GET', "/resource_providers/$u/traits");
                return unless $st == 200;
                my ($st2) = req('PUT', "/resource_providers/$u/traits", {
                    resource_provider_generation => $cur->{resource_provider_generation},
                    traits => rand() < 0.5 ? [$x] : []});
                $log->('W', '-', 'traits') if $st2 == 200;
            }
            else {
                my ($st, $cur) = req('GET', "/resource_providers/$u/inventories");
                return unless $st == 200;
                my ($st2) = req('PUT', "/resource_providers/$u/inventories", {
                    resource_provider_generation => $cur->{resource_provider_generation},
                    inventories => {VCPU => {total => rand() < 0.5 ? 1 : 8}}});
                $log->('W', '-', 'inventories') if $st2 == 200;
            }
        },
        reader => sub {
            my ($log) = @_;
            my ($st, $doc) = req('GET', "/allocation_candidates?resources=VCPU:2&required=$x");
            return unless $st == 200;
            my $s = $doc->{provider_summaries}{$u};
            my $in_requests = grep { $_->{allocations}{$u} } @{ $doc->{allocation_requests} };
            if (!$s) {
                $log->($in_requests ? ('B', '-', 'a request for the provider without its summary')
                                    : ('R', '-', 'not a candidate'));
                return;
            }
            my @bad;
            push @bad, 'summary without trait ' . $x
                unless grep { $_ eq $x } @{ $s->{traits} || [] };
            my $v = $s->{resources}{VCPU} || {};
            push @bad, "summary VCPU capacity $v->{capacity} used $v->{used}: no room for 2"
                unless ($v->{capacity} // 0) - ($v->{used} // 0) >= 2;
            $log->(@bad ? ('B', '-', join '; ', @bad) : ('R', '-', 'consistent'));
        },
    };
};

# ---- the run ------------------------------------------------------------------------------

print '1..', 2 * @endpoints, "\n";
my @torn_summary;
for my $name (@endpoints) {
    my $e = eval { $endpoint{$name}->() };
    if (!$e) {
        ok(0, "$name: set up") or diag($@ || "no such endpoint '$name'");
        ok(0, "$name: not run");
        next;
    }
    my $deadline = time + $seconds;
    my $nw = $e->{single_writer} ? 1 : $nwriters;
    for my $id (1 .. $nw) {
        spawn("$name writer $id", $deadline, sub { $e->{writer}->($_[0], $id) });
    }
    for my $id (1 .. $nreaders) {
        spawn("$name reader $id", $deadline, sub { $e->{reader}->($_[0]) });
    }
    my @lines = reap();

    # generation -> the one data set the writes say it has
    my (%map, @problems);
    for my $w ((map { ['W', @$_] } @{ $e->{setup} }), grep { $_->[0] eq 'W' } @lines) {
        my ($g, $t) = ($w->[1], $w->[2] // '');
        next if $g eq '-';
        push @problems, "writes disagree: generation $g is '$map{$g}' and '$t'"
            if exists $map{$g} && $map{$g} ne $t;
        $map{$g} //= $t;
    }
    # consumer generations: 'C' from the writer, 'D' from readers
    my %cmap = map { ($_->[1] => $_->[2]) } grep { $_->[0] eq 'C' } @lines;
    my @reads = grep { $_->[0] eq 'R' || $_->[0] eq 'B' } @lines;
    my $writes = grep { $_->[0] eq 'W' } @lines;
    my (@torn, @unknown);
    for my $r (@reads) {
        my ($kind, $g, $t) = @$r;
        $t //= '';
        if ($kind eq 'B') { push @torn, $t; next }
        next if $g eq '-';
        if (!exists $map{$g}) { push @unknown, "generation $g with '$t'"; next }
        push @torn, "generation $g with '$t', written as '$map{$g}'" if $map{$g} ne $t;
    }
    for my $d (grep { $_->[0] eq 'D' } @lines) {
        my ($key, $amount) = ($d->[1], $d->[2] // '');
        push @torn, "consumer generation $key with $amount, written as $cmap{$key}"
            if exists $cmap{$key} && $cmap{$key} ne $amount;
    }
    push @problems, map { "child failed: $_->[2]" } grep { $_->[0] eq 'E' } @lines;
    push @problems, $e->{verify}->(\@lines) if $e->{verify};
    push @torn_summary, "$name=" . scalar(@torn) . '/' . scalar(@reads);

    ok($writes > 0 && @reads > 0 && !@problems,
       "$name: $writes writes and " . scalar(@reads) . " reads ran cleanly")
        or diag(join "\n", "writes $writes, reads " . scalar(@reads),
                grep { defined } @problems[0 .. 9]);
    ok(!@torn && !@unknown, "$name: every read's generation belongs to its data ("
       . scalar(@torn) . ' torn, ' . scalar(@unknown) . ' at unwritten generations)')
        or diag(join "\n", grep { defined } (@torn, @unknown)[0 .. 9]);
}
diag('torn reads: ' . join ' ', @torn_summary);
exit($failed ? 1 : 0);
