# placement-policy-generator prints the policy the module enforces by
# default (PlacementEnforceNewDefaults On), and the deprecated rules only
# when asked, as the module's Off.
use strict;
use warnings;
use Test::More;

my $tool = './placement-policy-generator';
plan skip_all => "$tool is not built" unless -x $tool;

my $new = `$tool`;
is($? >> 8, 0, 'default: exit 0');
like($new, qr/^"project_reader_api": "role:reader and project_id:%\(project_id\)s"$/m,
     'default: the new rule alone');
unlike($new, qr/or \(role:admin\)/, 'default: no deprecated alternative anywhere');
is(`$tool --enforce-new-defaults`, $new, '--enforce-new-defaults is the default');

my $old = `$tool --no-enforce-new-defaults`;
is($? >> 8, 0, '--no-enforce-new-defaults: exit 0');
like($old, qr/^"project_reader_api": "\(role:reader and project_id:%\(project_id\)s\) or \(role:admin\)"$/m,
     '--no-enforce-new-defaults: the deprecated rule beside the new one');

system("$tool --bogus >/dev/null 2>&1");
is($? >> 8, 2, 'an unknown option is a usage error');
done_testing;
