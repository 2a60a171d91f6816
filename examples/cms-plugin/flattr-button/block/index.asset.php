<?php
/** The editor script's dependencies and version, in the form build tools write (none is needed here). */

return array(
	'dependencies' => array( 'wp-blocks', 'wp-element', 'wp-block-editor', 'wp-components', 'wp-i18n' ),
	'version'      => '0.2.0',
);
